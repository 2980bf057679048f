/**
 * Fields of event data that hold personal data (user.registered carries email and name): matched
 * by key, at any depth, so a future event with e.g. customerEmail or a shipping address is covered
 * without a list to keep in step with the event schemas.
 */
const PERSONAL_KEY = /(^|[a-z])(email|name|phone|address|password)$/i;

export const REDACTED = "[redacted]";

/**
 * A copy of a dead letter's event for people to read (GraphQL, CLI): personal fields replaced by
 * "[redacted]", everything else (type, ids, amounts) kept, so an admin can still tell what failed
 * and why. Replay never reads this copy: it sends the stored original, which it needs whole.
 */
export function redactPersonalData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPersonalData);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      PERSONAL_KEY.test(key) && field !== null && typeof field !== "object" ? REDACTED : redactPersonalData(field),
    ]),
  );
}
