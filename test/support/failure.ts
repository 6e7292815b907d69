/** What `p` rejected with; throws when it resolves instead (the test expected a failure). */
export async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => {
    throw new Error("expected a failure");
  }, (err: unknown) => err);
}
