/**
 * A HealthProbe for `swarmvol healthcheck` tests: PID 1's arguments as given, and answers
 * by endpoint (a socket path, or a URL); an endpoint with no answer rejects the way the
 * real probe does when nothing listens. Requests are recorded.
 */
import { unavailable } from "../../core/errors.js";
import type { HealthProbe, ProbeRequest } from "../../core/ports.js";

export type FakeAnswer = { status: number; body: string } | Error;

export function fakeHealthProbe(cmdline: string[] | undefined, answers: Record<string, FakeAnswer> = {}) {
  const requests: Array<ProbeRequest & { timeoutMs: number }> = [];
  const probe: HealthProbe = {
    async daemonArgs() {
      return cmdline;
    },
    async request(request, timeoutMs) {
      requests.push({ ...request, timeoutMs });
      const answer = answers["socket" in request ? request.socket : request.url];
      if (answer === undefined) throw unavailable("nothing answers (ECONNREFUSED)");
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  const asked = () => requests.map((r) => ("socket" in r ? `${r.method} ${r.socket} ${r.path}` : `${r.method} ${r.url}`));
  return { probe, requests, asked };
}
