# The Plankammer image for the scaled-out deployment (compose.yaml). One binary; the web
# assets (KERN UX, htmx, pdf.js) come from npm at build time and are served by Plankammer
# itself. The build needs libxml2's headers and clang (the libxml binding generates its
# declarations with bindgen); the runtime only the shared libraries the binary links
# (tests: the asset folders in services/api/src/security.rs, the libraries by readelf).
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm pkg-config libtesseract-dev libleptonica-dev libxml2-dev clang libclang-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cd web && npm ci --no-audit --no-fund
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libtesseract5 libxml2 tesseract-ocr-deu && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/plankammer plankammer
COPY --from=build /src/target/release/plankammer /usr/local/bin/plankammer
COPY --from=build /src/web/static /opt/plankammer/web/static
COPY --from=build /src/web/node_modules/@kern-ux/native/dist /opt/plankammer/web/node_modules/@kern-ux/native/dist
COPY --from=build /src/web/node_modules/htmx.org/dist /opt/plankammer/web/node_modules/htmx.org/dist
COPY --from=build /src/web/node_modules/pdfjs-dist/build /opt/plankammer/web/node_modules/pdfjs-dist/build
COPY --from=build /src/web/node_modules/pdfjs-dist/standard_fonts /opt/plankammer/web/node_modules/pdfjs-dist/standard_fonts
COPY --from=build /src/web/node_modules/pdfjs-dist/cmaps /opt/plankammer/web/node_modules/pdfjs-dist/cmaps
COPY --from=build /src/web/node_modules/pdfjs-dist/wasm /opt/plankammer/web/node_modules/pdfjs-dist/wasm
ENV WEB_DIR=/opt/plankammer/web DATA_DIR=/var/lib/plankammer BIND=0.0.0.0:8080 LOG_FORMAT=json
USER plankammer
EXPOSE 8080
ENTRYPOINT ["plankammer"]
