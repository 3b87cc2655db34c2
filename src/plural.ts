// "1 process", "2 processes": a count with its noun in the number it needs, for log lines and
// messages of every part of tsvisor (the supervisor's, the log writer's, the CLI's). A leaf: imports nothing.
export const countOf = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
