/** The shape every language's strings must have: the English catalogue's keys, each a string. */
export type Messages<T> = { [K in keyof T]: T[K] extends string ? string : Messages<T[K]> };
