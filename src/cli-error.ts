/** A failure of the operator CLI worth one line to the operator. */
export class CliError extends Error {}
