/** Time is a port: production reads the system clock, tests move a fixed one. */
export interface Clock {
  now(): Date;
}
