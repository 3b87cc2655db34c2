# Minimal image: build the single tsvisor executable, then copy it into a slim runtime image.
# (The release image, HEALTHCHECK and examples come with the systemd/Docker integration issue.)
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY src ./src
RUN npm run build

FROM debian:bookworm-slim
COPY --from=build /src/dist/tsvisor /usr/local/bin/tsvisor
# Mount or COPY your config to /etc/tsvisor/tsvisor.toml (the lookup path when -c is not given).
ENTRYPOINT ["tsvisor", "run"]
