/** The NOTIFY channels instances talk on (the names are part of the replicas' protocol: never rename one). */
export const JOB_CHANGES_CHANNEL = 'cronwarden_job_changes';
/** `{execution, instance}`: a stop requested through another instance; the one running it kills the work. */
export const EXECUTION_STOPS_CHANNEL = 'cronwarden_execution_stops';
