// Starts Swagger UI on /openapi.json. A file of its own: the pages allow no inline script.
window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
