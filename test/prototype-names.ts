// The names an attacker or an unlucky user would try against code that looks names up on plain
// objects: every own property of Object.prototype, plus the two that matter beside them.
export const PROTOTYPE_NAMES: readonly string[] = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), "__proto__", "prototype", "constructor"]),
];
