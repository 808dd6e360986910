# The Plankammer image for the scaled-out deployment (compose.yaml). One binary; the web
# assets (KERN UX, htmx) come from npm at build time and are served by Plankammer itself.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm pkg-config libtesseract-dev libleptonica-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cd web && npm ci --no-audit --no-fund
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libtesseract5 tesseract-ocr-deu && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/plankammer plankammer
COPY --from=build /src/target/release/plankammer /usr/local/bin/plankammer
COPY --from=build /src/web/static /opt/plankammer/web/static
COPY --from=build /src/web/node_modules/@kern-ux/native/dist /opt/plankammer/web/node_modules/@kern-ux/native/dist
COPY --from=build /src/web/node_modules/htmx.org/dist /opt/plankammer/web/node_modules/htmx.org/dist
ENV WEB_DIR=/opt/plankammer/web DATA_DIR=/var/lib/plankammer BIND=0.0.0.0:8080 LOG_FORMAT=json
USER plankammer
EXPOSE 8080
ENTRYPOINT ["plankammer"]
