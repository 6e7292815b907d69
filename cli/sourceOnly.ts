/**
 * `swarmvol lab` and `swarmvol drill` live in lab/, which only a source checkout has. The
 * product build (tsconfig.image.json, the image) leaves cli/labCommand.ts and
 * cli/drillCommand.ts out, and lab/ with them. So that the compiler does not follow them
 * anyway, their specifiers are computed at run time and their shape is declared here
 * instead of imported; cli/sourceOnly.test.ts checks the real modules against it.
 *
 * In a build without them, running either command fails with NOT_FOUND (exit 3) and says
 * where they run instead.
 */
import { notFound } from "../core/errors.js";

/** One subcommand: its arguments in, its exit code out (as cli/commands.ts `Command`). */
type Run = (argv: string[]) => Promise<number>;

/** Each source-only command and the export of its module `./<export>.js` that runs it. */
export const sourceOnlyExports = { lab: "labCommand", drill: "drillCommand" } as const;
export type SourceOnlyName = keyof typeof sourceOnlyExports;

/** The shape of `./<export>.js`: what cli/labCommand.ts and cli/drillCommand.ts export. */
export type SourceOnlyModule<N extends SourceOnlyName> = { [K in (typeof sourceOnlyExports)[N]]: Run };

/** Loads a module by specifier relative to this file (a dynamic `import`, unless a test says otherwise). */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

const importHere: ModuleLoader = (specifier) => import(specifier);

/** Node's error for `specifier` itself missing; a missing module that it imports is another failure. */
function isMissing(err: unknown, specifier: string): boolean {
  const file = specifier.slice(specifier.lastIndexOf("/") + 1);
  return (err as { code?: unknown })?.code === "ERR_MODULE_NOT_FOUND" && String((err as Error).message).includes(`/${file}' `);
}

/** The message of a build without `name`: where it runs instead. */
export function notInThisBuild(name: SourceOnlyName): string {
  return `\`swarmvol ${name}\` is not in this build (an image or package ships the product only): `
    + "the lab and the drill run as root from a source checkout of swarmvol: `npm ci && npm run drill`";
}

/** The `Command` for `name`: loads its module when it runs, NOT_FOUND when this build has none. */
export function sourceOnlyCommand<N extends SourceOnlyName>(name: N, load: ModuleLoader = importHere): Run {
  const exported = sourceOnlyExports[name];
  const specifier = `./${exported}.js`;
  return async (argv) => {
    let loaded: SourceOnlyModule<N>;
    try {
      loaded = (await load(specifier)) as SourceOnlyModule<N>;
    } catch (err) {
      if (isMissing(err, specifier)) throw notFound(notInThisBuild(name), { command: name }, err);
      throw err;
    }
    return loaded[exported](argv);
  };
}
