import { type GraphQLOutputType, getNullableType, isListType, isNonNullType } from "graphql";
import type { RemovedField, Step } from "./authorizeOperation";

type Data = Record<string, unknown>;

/** Returned where a value must be null but its type is non-null: the null moves to the enclosing nullable place. */
const BUBBLE = Symbol("bubble");

const isObject = (value: unknown): value is Data =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Puts null where each removed field would have been, as if it had resolved to null: a non-null
 * field makes its parent null, and so on up to the nearest nullable place (GraphQL spec 6.4.4,
 * what Apollo Router does for the fields its authorization removes). `data` is changed in place;
 * the result is null when the null reaches the root.
 */
export function nullRemovedFields(
  data: Data,
  removed: readonly RemovedField[],
  addedTypenames: readonly (readonly Step[])[] = [],
): Data | null {
  for (const field of removed) if (placeNull(data, field.steps, 0) === BUBBLE) return null;
  for (const steps of addedTypenames) forEachObject(data, steps, 0, (object) => delete object.__typename);
  return data;
}

/** Calls `visit` on every object at the end of `steps` (through lists). */
function forEachObject(value: unknown, steps: readonly Step[], index: number, visit: (object: Data) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) forEachObject(item, steps, index, visit);
    return;
  }
  if (!isObject(value)) return;
  const step = steps[index];
  if (!step) visit(value);
  else forEachObject(value[step.key], steps, index + 1, visit);
}

function placeNull(object: Data, steps: readonly Step[], index: number): Data | typeof BUBBLE {
  const step = steps[index];
  if (!step) return object;
  const typename = object.__typename;
  if (step.runtimeTypes && typeof typename === "string" && !step.runtimeTypes.has(typename)) return object;
  if (index === steps.length - 1) {
    if (isNonNullType(step.type)) return BUBBLE;
    object[step.key] = null;
    return object;
  }
  const child = object[step.key];
  if (child === null || child === undefined) return object;
  const value = placeInValue(child, step.type, steps, index);
  if (value === BUBBLE) {
    if (isNonNullType(step.type)) return BUBBLE;
    object[step.key] = null;
  }
  return object;
}

function placeInValue(
  value: unknown,
  type: GraphQLOutputType,
  steps: readonly Step[],
  index: number,
): unknown | typeof BUBBLE {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    if (!Array.isArray(value)) return value;
    const itemType = nullable.ofType;
    for (const [position, item] of value.entries()) {
      if (item === null) continue;
      if (placeInValue(item, itemType, steps, index) === BUBBLE) {
        if (isNonNullType(itemType)) return BUBBLE;
        value[position] = null;
      }
    }
    return value;
  }
  return isObject(value) ? placeNull(value, steps, index + 1) : value;
}
