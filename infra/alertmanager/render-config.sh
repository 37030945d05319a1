#!/bin/sh
# Entrypoint of the alertmanager container (docker-compose.yml): Alertmanager 0.25-0.27 reads
# no environment variables in its configuration, so this fills the webhook placeholders of
# alertmanager.yml from ALERT_WEBHOOK_URL and ALERT_WEBHOOK_CRITICAL_URL (which defaults to
# the former), writes the result to ALERTMANAGER_CONFIG_OUT, and runs its arguments with
# --config.file pointing there. Unset URLs keep the .invalid placeholders (alerts still show
# in the UI; deliveries fail and are logged). infra/test/compose.spec.ts runs it too.
set -eu

template=${ALERTMANAGER_CONFIG_TEMPLATE:-/etc/alertmanager/alertmanager.yml}
out=${ALERTMANAGER_CONFIG_OUT:-/tmp/alertmanager.yml}
default_placeholder='http://alert-webhook.invalid/default'
critical_placeholder='http://alert-webhook.invalid/critical'

# a URL as a sed replacement: & | and \ would mean something to sed
sed_literal() {
  printf '%s' "$1" | sed -e 's/[&|\\]/\\&/g'
}

default_url=${ALERT_WEBHOOK_URL:-$default_placeholder}
critical_url=${ALERT_WEBHOOK_CRITICAL_URL:-${ALERT_WEBHOOK_URL:-$critical_placeholder}}

sed -e "s|$default_placeholder|$(sed_literal "$default_url")|g" \
    -e "s|$critical_placeholder|$(sed_literal "$critical_url")|g" \
    "$template" > "$out"

exec "$@" --config.file="$out"
