# tsvisor in a container (docs/install.md, "Docker"): build the single executable with Bun, then copy
# it alone into a slim runtime image.
#   docker build -t tsvisor .
#   docker run --rm tsvisor                                   # the example config below
#   docker run --rm -v "$PWD/tsvisor.toml:/etc/tsvisor/tsvisor.toml:ro" tsvisor
# Images of your own copy /usr/local/bin/tsvisor from this one: see packaging/docker/.

# --- build: npm installs the dependencies, Bun included (a devDependency); bun compiles ---
FROM node:20-bookworm-slim AS build
WORKDIR /src
# The lockfile first: a change in src/ alone reuses the installed dependencies.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json bunfig.toml ./
COPY scripts/build.sh ./scripts/
COPY src ./src
RUN npm run build

# --- runtime: the executable (glibc; Bun's runtime is inside it) and a config, nothing else ---
FROM debian:bookworm-slim AS runtime
COPY --from=build /src/dist/tsvisor /usr/local/bin/tsvisor
# Found without -c: /etc/tsvisor/tsvisor.toml is the last place tsvisor looks. Replace it with yours.
COPY packaging/docker/tsvisor.toml /etc/tsvisor/tsvisor.toml
# `docker stop` sends SIGTERM to tsvisor (PID 1), which stops every program gracefully: give it more
# time than the sum of stopwaitsecs over priority levels (docker stop -t, compose stop_grace_period).
STOPSIGNAL SIGTERM
# Healthy while every program that should be up is up (exit 0), unhealthy otherwise (exit 1).
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["tsvisor", "check"]
# tsvisor's own lines and the programs' output go to stdout/stderr, where `docker logs` reads them.
ENTRYPOINT ["tsvisor", "run"]
