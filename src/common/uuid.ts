const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` can be a row id: lookups answer null for anything else instead of a database error. */
export const isUuid = (value: string): boolean => UUID.test(value);
