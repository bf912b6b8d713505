package httpapi

import _ "embed"

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the embedded OpenAPI 3.1 description of the API.
func OpenAPIDocument() []byte { return openAPIDocument }
