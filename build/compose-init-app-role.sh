#!/bin/sh
# Run once by the postgres image on an empty data volume (build/compose.yaml): creates the login role the
# Drillbook server connects as. Its rights come from `drillbook server --migrate --grant-app-role drillbook_app`,
# run as the owner afterwards. UNTESTED HERE (no container runtime on the machine this was written on).
set -eu
app_password=$(cat /run/secrets/app_password)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v pw="$app_password" <<'SQL'
CREATE ROLE drillbook_app LOGIN PASSWORD :'pw';
SQL
