import { Injectable } from '@nestjs/common';
import type { RightsRequirements } from '../database/repositories/owner-rights.sql.js';
import { JobsRepository, type SuspensionReviewScope } from '../database/repositories/jobs.repository.js';
import type { Transaction } from '../database/transactions.js';
import { JobClassRegistry } from '../job-classes/job-class.registry.js';

/** Which jobs a review looks at. */
export type ReviewScope = SuspensionReviewScope;

/**
 * Rights are checked when a job fires, not only when it was saved: a job whose owner is disabled,
 * or no longer holds its class's `requires_permission`, runs nothing. The claim statements check
 * it for every fire (see FireClaimer) and record the suspension in `jobs.suspended_reason`; this
 * class also reviews suspensions at once when users or roles change (announced with NOTIFY on
 * OWNER_RIGHTS_CHANNEL), so the job object says so without waiting for the next fire.
 */
@Injectable()
export class OwnerRights {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly classes: JobClassRegistry,
  ) {}

  /** Which class needs which permission, as the claim statements check it. */
  requirements(): RightsRequirements {
    return this.classes.permissionRequirements();
  }

  /**
   * Sets `suspended_reason` of the jobs in `scope` to what their owners' rights say now (a reason,
   * or null): suspends without recording an execution, and lifts suspensions. Returns the ids changed.
   */
  review(scope: ReviewScope, transaction?: Transaction): Promise<string[]> {
    return this.jobs.reviewSuspensionsAcrossOwners(scope, this.requirements(), transaction);
  }
}
