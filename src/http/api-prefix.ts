/** Base path of the REST API; controllers name it in their route (`${API_PREFIX}/jobs`); /health and /docs stay outside. */
export const API_PREFIX = 'api/v1';
