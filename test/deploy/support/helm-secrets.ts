/**
 * The Secrets `values-production.yaml` reads but the chart does not render: created before the
 * install, as the README's Helm block creates them: the app's own, and one per database holding
 * only that database's password (PostgreSQL mounts every key of its Secret).
 */
export const PRODUCTION_SECRETS: Record<string, Record<string, string>> = {
  "crisislen-api-secrets": { SECRET_KEY: "0123456789abcdef" },
  "crisislen-api-postgresql-password": { POSTGRES_PASSWORD: "pg-0123456789" },
  "crisislen-api-redis-password": { REDIS_PASSWORD: "redis-0123456789" },
};
