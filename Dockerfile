# syntax=docker/dockerfile:1
# agentloop as users install it: the package built from this repository, plus the optional peers
# the server, the worker and the storage backends load. docs/deploy.md explains each step.

# 1. Build the package from source and pack it (the same tarball npm publish would upload).
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build && npm pack --pack-destination /tmp && mv /tmp/agentloop-*.tgz /tmp/agentloop.tgz

# 2. The runtime image: the packed package and its peers, no sources, no dev tools.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:/app/data/agentloop.db \
    PATH=/app/node_modules/.bin:$PATH
WORKDIR /app
COPY --from=build /tmp/agentloop.tgz /tmp/agentloop.tgz
RUN npm init -y >/dev/null \
 && npm install --omit=dev --no-audit --no-fund /tmp/agentloop.tgz \
      commander@14 hono@4 @hono/node-server@2 @hono/zod-openapi@1 pino@10 rate-limiter-flexible@11 \
      zod@4 better-sqlite3@12 pg@8 ioredis@5 bullmq@6 openai@6 @anthropic-ai/sdk@1 \
 && rm /tmp/agentloop.tgz && npm cache clean --force \
 && mkdir -p /app/data && chown node:node /app/data
# Your agents and tools: put agentloop.config.js next to this file and build FROM this image with
#   COPY agentloop.config.js ./
USER node
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["agentloop"]
CMD ["serve"]
