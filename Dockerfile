# syntax=docker/dockerfile:1
# One image for api, worker and CLI: the command picks the process.
#   api     node dist/apps/api/main.js      (default)
#   worker  node dist/apps/worker/main.js
#   bridge  node dist/apps/bridge/main.js   (the MQTT bridge alone; API_MQTT_BRIDGE=false on the api)
#   CLI     node dist/apps/cli/main.js <command>

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Local file storage (STORAGE_URL=file://…) lives here; mount a volume on it.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000 3001
CMD ["node", "dist/apps/api/main.js"]
