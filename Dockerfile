# One image for the three services; docker-compose.yml picks the service with the command.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY gateway/package.json gateway/
COPY validator/package.json validator/
COPY descriptor/package.json descriptor/
RUN npm ci --omit=dev --no-audit --no-fund
COPY common common
COPY gateway gateway
COPY validator validator
COPY descriptor descriptor
COPY config config
# The services run as plain JavaScript bundles (dist/<service>.mjs), not under the tsx loader.
COPY tsconfig.json ./
COPY scripts/build-services.ts scripts/
RUN npx tsx scripts/build-services.ts
USER node
