/**
 * The dependencies /health/ready reports, as a provider token. The list is built in HealthModule:
 * that is where a new dependency's check is added.
 */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
