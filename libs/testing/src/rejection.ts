/** What `promise` rejected with, which must be an instance of `type` (a resolved promise or another error fails the test). */
export async function rejectionOf<E extends Error>(promise: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await promise.then(
    () => ({ isRejected: false as const }),
    (error: unknown) => ({ isRejected: true as const, error }),
  );
  if (!outcome.isRejected) throw new Error(`expected a rejection with ${type.name}, but the promise resolved`);
  if (!(outcome.error instanceof type)) throw new Error(`expected a ${type.name}, got ${String(outcome.error)}`);
  return outcome.error;
}
