/**
 * Small interfaces for every side effect the domain needs. Real implementations live in
 * storage/ and cli/; recording fakes live in test/fakes/. Nothing here does I/O.
 */

/** Injected time so tests never sleep. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** pino-compatible subset; messages are constant strings, data goes in the first argument. */
export interface Logger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: object): Logger;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program without a shell. Never rejects on a non-zero exit: callers decide what
 * an exit code means (fsck's 1 is success, blkid's 2 is "nothing found").
 */
export interface CommandRunner {
  run(program: string, args: readonly string[], options?: { timeoutMs?: number; input?: string }): Promise<CommandResult>;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
