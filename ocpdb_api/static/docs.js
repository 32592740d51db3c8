window.ui = SwaggerUIBundle({ url: '/documentation/public.json', dom_id: '#swagger-ui', deepLinking: true });
