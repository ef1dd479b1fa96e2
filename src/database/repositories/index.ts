import { Transactions } from '../transactions.js';
import { JobsRepository } from './jobs.repository.js';
import { UsersRepository } from './users.repository.js';

/** Every repository (one per table family) and the transaction runner, provided by the database module. */
export const REPOSITORIES = [Transactions, JobsRepository, UsersRepository];
