// The API docs page: Swagger UI from static/vendor (installed from npm), no inline script.
window.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });
