import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';

/** Who this process is among the instances sharing the database: recorded on every execution it runs. */
@Injectable()
export class InstanceIdentity {
  readonly id = randomUUID();
  readonly hostname = hostname();
  readonly pid = process.pid;
}
