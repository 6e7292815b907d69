/**
 * The drill's stack file, generated (pure) so image references, volume names and script
 * paths come from one place. Why each choice:
 *
 * - both volumes are created beforehand with `docker volume create -d swarmvol`
 *   (environment.ts), and the stack declares them both ways a user may: the database's as
 *   `external: true` (`docker stack deploy` leaves the driver out of its mount; the
 *   controller resolves the name against its catalog, ADR 0015) and Jenkins' with
 *   `driver: swarmvol` and a fixed `name:`. Every moving scenario of the database thus
 *   proves an external volume pre-attached and moved; Jenkins' keep the driver mount proven.
 * - host networking (external network `host`): clients outside the cluster reach each
 *   service on the node address 10.213.0.(10+i) of whichever node runs it.
 * - `node.role == worker`: killing a workload's node never kills the manager/controller.
 * - restart delay 1 s: the measured times are swarmvol's and Swarm's, not a back-off.
 * - scripts come in as Swarm configs, so the images stay plain Debian and busybox.
 */
export const STACK_NAME = "drill";
export const DB_SERVICE = `${STACK_NAME}_db`;
export const JENKINS_SERVICE = `${STACK_NAME}_jenkins`;
export const DB_VOLUME = "drill-pgdata";
export const JENKINS_VOLUME = "drill-jenkins-home";
export const DB_PORT = 5432;
export const JENKINS_PORT = 8080;

export interface StackInput {
  postgresImage: string;
  busyboxImage: string;
  /** Absolute paths of the workload scripts on the machine running `docker stack deploy`. */
  scripts: { postgresEntrypoint: string; jenkinsEntrypoint: string; jenkinsJob: string; jenkinsSums: string };
}

const deploy = [
  "    deploy:",
  "      replicas: 1",
  "      placement:",
  "        constraints: [\"node.role == worker\"]",
  "      restart_policy:",
  "        condition: any",
  "        delay: 1s",
  "      update_config:",
  "        order: stop-first",
];

/** A volume made beforehand, named without a driver (the stack's mount then has none). */
const externalVolume = (key: string, name: string) => [
  `  ${key}:`,
  `    name: ${name}`,
  "    external: true",
];

const swarmvolVolume = (key: string, name: string) => [
  `  ${key}:`,
  `    name: ${name}`,
  "    driver: swarmvol",
  "    driver_opts:",
  "      size: \"1\"",
];

/** The stack YAML (compose file format 3.8). */
export function renderStack(input: StackInput): string {
  return [
    "version: \"3.8\"",
    "services:",
    "  db:",
    `    image: ${input.postgresImage}`,
    "    entrypoint: [\"/bin/sh\", \"/drill/postgres-entrypoint.sh\"]",
    "    environment:",
    "      PGVOLUME: /var/lib/postgresql/data",
    "    volumes:",
    "      - pgdata:/var/lib/postgresql/data",
    "    configs:",
    "      - source: postgres_entrypoint",
    "        target: /drill/postgres-entrypoint.sh",
    "        mode: 0555",
    "    networks: [hostnet]",
    "    stop_grace_period: 10s",
    ...deploy,
    "  jenkins:",
    `    image: ${input.busyboxImage}`,
    "    entrypoint: [\"/bin/sh\", \"/drill/jenkins-entrypoint.sh\"]",
    "    environment:",
    "      JENKINS_HOME: /var/jenkins_home",
    "    volumes:",
    "      - jenkins_home:/var/jenkins_home",
    "    configs:",
    "      - { source: jenkins_entrypoint, target: /drill/jenkins-entrypoint.sh, mode: 0555 }",
    "      - { source: jenkins_job, target: /www/cgi-bin/job, mode: 0555 }",
    "      - { source: jenkins_sums, target: /www/cgi-bin/sums, mode: 0555 }",
    "    networks: [hostnet]",
    "    stop_grace_period: 5s",
    ...deploy,
    "volumes:",
    ...externalVolume("pgdata", DB_VOLUME),
    ...swarmvolVolume("jenkins_home", JENKINS_VOLUME),
    "configs:",
    `  postgres_entrypoint: { file: ${input.scripts.postgresEntrypoint} }`,
    `  jenkins_entrypoint: { file: ${input.scripts.jenkinsEntrypoint} }`,
    `  jenkins_job: { file: ${input.scripts.jenkinsJob} }`,
    `  jenkins_sums: { file: ${input.scripts.jenkinsSums} }`,
    "networks:",
    "  hostnet:",
    "    external: true",
    "    name: host",
    "",
  ].join("\n");
}
