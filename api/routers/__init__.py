"""One router module per resource; ``api.app.ROUTERS`` lists the ones an app includes."""
