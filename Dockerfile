# One image per app, all from the same build stage (Docker caches it once for the three):
#   docker build --build-arg APP=gateway   --build-arg PORT=8000 -t tokenscope/gateway .
#   docker build --build-arg APP=quality   --build-arg PORT=8001 -t tokenscope/quality .
#   docker build --build-arg APP=gpu-agent --build-arg PORT=9400 -t tokenscope/gpu-agent .
# docker-compose.yml passes these arguments. PORT is where the health check calls /healthz.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV NX_DAEMON=false \
    NX_NO_CLOUD=true \
    NX_SKIP_NX_CACHE=true
# Manifests first: the `npm ci` layer is reused until a package.json or the lock file changes.
COPY package.json package-lock.json nx.json tsconfig.base.json ./
COPY apps/console-web/package.json apps/console-web/
COPY apps/gateway/package.json apps/gateway/
COPY apps/quality/package.json apps/quality/
COPY apps/gpu-agent/package.json apps/gpu-agent/
COPY infra/package.json infra/
COPY libs/ libs/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG APP=gateway
ARG PORT=8000
# MALLOC_ARENA_MAX=2: fewer glibc malloc arenas, less resident memory (infra/lib/app-runtime.mjs)
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    HEALTH_PORT=${PORT}
WORKDIR /app
# Production dependencies, the libs (with their dist) and the bundled model catalogue
# (config/models.yaml), then the one app this image runs.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/libs ./libs
COPY --from=build /app/config ./config
COPY --from=build /app/apps/${APP}/package.json ./apps/${APP}/
COPY --from=build /app/apps/${APP}/dist ./apps/${APP}/dist
# the console's built page (static files, ~80 KB), served by the quality service at /console
COPY --from=build /app/apps/console-web/dist ./apps/console-web/dist
WORKDIR /app/apps/${APP}
USER node
EXPOSE ${PORT}
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight streams and flushes spans and queued events (SHUTDOWN_DRAIN_MS).
STOPSIGNAL SIGTERM
# the flags of infra/lib/app-runtime.mjs (--max-semi-space-size=8: a smaller young generation keeps peak RSS down)
CMD ["node", "--enable-source-maps", "--max-semi-space-size=8", "--import", "./dist/otel.js", "dist/main.js"]
