// "1 process", "2 processes": a count with its noun in the number it needs, for log lines and messages.
export const countOf = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
