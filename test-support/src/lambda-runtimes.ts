/**
 * The Lambda runtimes a function of this platform may use, with the date AWS deprecates
 * each (no more security patches; creating, then updating, functions is blocked a few
 * months later). Source: AWS Lambda developer guide, "Lambda runtimes", supported and
 * deprecated runtime tables (docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html),
 * read 2026-12-03. Add a runtime here when AWS publishes it; never extend a date.
 */
export const LAMBDA_RUNTIME_DEPRECATION: Record<string, string> = {
  'nodejs20.x': '2026-04-30',
  'nodejs22.x': '2027-04-30',
  'nodejs24.x': '2028-04-30',
};

/** How long before its deprecation a runtime must be left: time to move, test and deploy. */
export const RUNTIME_NOTICE_DAYS = 183;

/** Why a runtime may not be used on `today`, or undefined when it may. */
export function runtimeProblem(runtime: string, today: Date): string | undefined {
  const date = LAMBDA_RUNTIME_DEPRECATION[runtime];
  if (!date) return `${runtime} is not a runtime this platform knows the deprecation date of`;
  const daysLeft = Math.floor((Date.parse(`${date}T00:00:00Z`) - today.getTime()) / 86_400_000);
  if (daysLeft < RUNTIME_NOTICE_DAYS)
    return `${runtime} is deprecated by AWS on ${date} (${daysLeft} days from now, fewer than ${RUNTIME_NOTICE_DAYS}): move to a newer runtime`;
  return undefined;
}
