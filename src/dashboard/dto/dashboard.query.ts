import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateBy } from 'class-validator';
import { isIanaTimeZone } from '../../common/time-zone.js';

export class DashboardQueryDto {
  @ApiPropertyOptional({
    example: 'Europe/Berlin',
    description: "IANA zone whose midnight starts 'today' for runs_today; default: the server's TIMEZONE",
  })
  @IsOptional()
  @ValidateBy({
    name: 'isIanaTimeZone',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isIanaTimeZone(value),
      defaultMessage: () => 'timezone must be an IANA time zone name such as UTC or Europe/Berlin',
    },
  })
  timezone?: string;
}
