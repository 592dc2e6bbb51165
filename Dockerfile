# One image for the three services; docker-compose.yml picks the service with the command.

# Build: install, then bundle each service into dist/<service>.mjs (npm run build).
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles its addon when no prebuilt binary fits: the toolchain for node-gyp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY gateway/package.json gateway/
COPY validator/package.json validator/
COPY descriptor/package.json descriptor/
# The build needs tsx and esbuild, which are the root's dependencies: no devDependencies.
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts scripts
COPY common common
COPY gateway gateway
COPY validator validator
COPY descriptor descriptor
RUN npm run build

# Run: the bundles, the config, and the one package kept outside them.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
# glibc's arenas: two, not eight per core (scripts/build-services.ts, SERVICE_ENV).
ENV MALLOC_ARENA_MAX=2
# better-sqlite3 is a native addon, external to the bundles (scripts/build-services.ts): the bundles
# load it from /app/node_modules, with `bindings` and its `file-uri-to-path`, which find its .node file.
COPY --from=build /app/node_modules/better-sqlite3 node_modules/better-sqlite3
COPY --from=build /app/node_modules/bindings node_modules/bindings
COPY --from=build /app/node_modules/file-uri-to-path node_modules/file-uri-to-path
COPY --from=build /app/dist dist
COPY config config
# The folders the volumes mount on, made here for the unprivileged user: a named volume takes the
# owner of the folder it is first mounted on.
RUN mkdir -p /data/studies /data/rejected /data/catalogue /data/outbox /data/var \
 && chown -R node:node /data
USER node
EXPOSE 3000 3001 3002
