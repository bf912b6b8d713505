// Package openapitest checks, in tests, that real HTTP exchanges with the
// service match its OpenAPI 3.1 document (httpapi.OpenAPIDocument): the
// route is described, and the response's status, headers and body are what
// the document says for that operation.
//
// Use New to load the document once per test and either Check an exchange
// you already hold, or route a client through Transport so that every
// exchange is checked:
//
//	client := &http.Client{Transport: openapitest.New(t).Transport(t, nil)}
//
// Requests are not held to the document, since tests send bad input on
// purpose: authentication is never checked and an invalid request body is
// not a failure in itself. A request the document calls invalid that the
// server nevertheless answers with a 2xx is a failure, though, for then the
// document and the server disagree.
//
// Requests outside the document are judged as the service routes them: an
// undescribed path must be answered 404 not_found, and a described path
// with an undescribed method 405 method_not_allowed with an Allow header
// listing exactly the documented methods (and HEAD where GET is); both with
// the error body of the document (a request that accepts text/html may get
// an HTML 404 page instead). Anything else on an undescribed route is a
// failure.
//
// The package uses github.com/getkin/kin-openapi. For OpenAPI 3.1 documents
// its openapi3filter validates with JSON Schema 2020-12 semantics (type
// arrays such as ["string", "null"] for nullable values, const, and so on);
// text/html and text/plain responses are checked for their status and
// content type only.
package openapitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/skillett/skillett/httpapi"
)

// Validator checks HTTP exchanges against an OpenAPI document. It is safe
// for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router

	// The responses that answer requests outside the document.
	notFound         *openapi3.ResponseRef
	notFoundHTML     *openapi3.ResponseRef // to a request that accepts HTML: a page, or the JSON error
	methodNotAllowed *openapi3.ResponseRef
}

// The error schemas of the answers to requests outside the document: the
// document states those answers once, in its conventions, instead of
// listing them on every operation.
const (
	notFoundSchema         = "NotFoundError"
	methodNotAllowedSchema = "MethodNotAllowedError"
)

// The service's document is loaded and validated once per test binary.
var (
	loadOnce  sync.Once
	loaded    *Validator
	loadError error
)

// New returns a validator for the service's OpenAPI document
// (httpapi.OpenAPIDocument). It fails tb if the document does not load or
// is not a valid OpenAPI document.
func New(tb testing.TB) *Validator {
	tb.Helper()
	loadOnce.Do(func() { loaded, loadError = newValidator(httpapi.OpenAPIDocument()) })
	if loadError != nil {
		tb.Fatalf("openapitest: %v", loadError)
	}
	return loaded
}

// newValidator loads and validates the OpenAPI document data.
func newValidator(data []byte) (*Validator, error) {
	ctx := context.Background()
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("the OpenAPI document is version %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(ctx, openapi3.EnableMultiError()); err != nil {
		return nil, fmt.Errorf("invalid OpenAPI document: %w", err)
	}
	v := &Validator{doc: doc}
	if doc.Components != nil {
		v.notFound = errorResponse(doc.Components.Schemas[notFoundSchema])
		v.methodNotAllowed = errorResponse(doc.Components.Schemas[methodNotAllowedSchema])
		if v.notFound != nil {
			v.notFoundHTML = errorResponse(doc.Components.Schemas[notFoundSchema])
			v.notFoundHTML.Value.Content["text/html"] = openapi3.NewMediaType()
		}
	}
	if v.notFound == nil || v.methodNotAllowed == nil {
		return nil, fmt.Errorf("the OpenAPI document lacks the schemas #/components/schemas/%s and %s", notFoundSchema, methodNotAllowedSchema)
	}
	// Route on paths only: the document's servers name the default
	// address, not the one a test server listens on. The router works on a
	// shallow copy so that the document itself stays as written.
	routed := *doc
	routed.Servers = nil
	if v.router, err = gorillamux.NewRouter(&routed); err != nil {
		return nil, fmt.Errorf("routing the OpenAPI document: %w", err)
	}
	return v, nil
}

// errorResponse is a JSON response with the given error schema, or nil.
func errorResponse(schema *openapi3.SchemaRef) *openapi3.ResponseRef {
	if schema == nil {
		return nil
	}
	r := openapi3.NewResponse().WithDescription("an error").WithJSONSchemaRef(schema)
	return &openapi3.ResponseRef{Value: r}
}

// Document returns the loaded document. Callers must not modify it.
func (v *Validator) Document() *openapi3.T { return v.doc }

// Check fails tb (with tb.Errorf) unless the exchange matches the document:
// the request's route is described (or answered as the service answers
// undescribed routes), the response's status is one the operation
// documents, and its headers and body match that response. reqBody and
// respBody are the bodies, which req and resp may no longer hold; nil means
// empty.
func (v *Validator) Check(tb testing.TB, req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) {
	tb.Helper()
	if err := v.check(req, reqBody, resp, respBody); err != nil {
		tb.Errorf("openapitest: %s %s → %d: %v\nresponse headers: %v\nresponse body: %s",
			req.Method, req.URL.RequestURI(), resp.StatusCode, err, resp.Header, excerpt(respBody))
	}
}

// Transport returns a RoundTripper that sends requests through base
// (http.DefaultTransport if nil) and Checks every exchange, failing tb on
// mismatches. It reads request and response bodies in full and hands them
// on, so callers read responses as usual.
func (v *Validator) Transport(tb testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{v: v, tb: tb, base: base}
}

type transport struct {
	v    *Validator
	tb   testing.TB
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("openapitest: reading the request body: %w", err)
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("openapitest: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	t.v.Check(t.tb, req, reqBody, resp, respBody)
	return resp, nil
}

// check returns why the exchange does not match the document, or nil.
func (v *Validator) check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	ctx := context.Background()
	head := req.Method == http.MethodHead

	// A HEAD request is routed as the GET it stands for; its response has
	// the GET's status and headers but no body.
	routeReq := req.Clone(ctx)
	routeReq.Body = http.NoBody
	if head {
		routeReq.Method = http.MethodGet
	}
	route, pathParams, err := v.router.FindRoute(routeReq)
	switch {
	case errors.Is(err, routers.ErrPathNotFound), errors.Is(err, routers.ErrMethodNotAllowed):
		routeReq.Method = req.Method
		return v.checkUndescribed(routeReq, resp, respBody, head)
	case err != nil:
		return fmt.Errorf("routing the request: %w", err)
	}

	var errs []error
	if err := v.checkResponse(routeReq, route, pathParams, resp, respBody, head); err != nil {
		errs = append(errs, err)
	}

	// The request: only a disagreement between document and server counts.
	if !head && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := v.checkRequest(req, reqBody, route, pathParams); err != nil {
			errs = append(errs, fmt.Errorf("the server accepted (%d) a request the document says is invalid: %w", resp.StatusCode, err))
		}
	}
	return errors.Join(errs...)
}

// checkRequest validates the request against its operation, authentication
// aside.
func (v *Validator) checkRequest(req *http.Request, body []byte, route *routers.Route, pathParams map[string]string) error {
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	if len(body) > 0 && r.Header.Get("Content-Type") == "" {
		// The service reads a body without Content-Type as JSON.
		r.Header.Set("Content-Type", "application/json")
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
			MultiError:          true,
			SkipSettingDefaults: true,
		},
	})
}

// checkResponse validates the response against the route's operation.
func (v *Validator) checkResponse(req *http.Request, route *routers.Route, pathParams map[string]string, resp *http.Response, body []byte, head bool) error {
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: pathParams,
			Route:      route,
		},
		Status: resp.StatusCode,
		Header: resp.Header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, // an undocumented status is a failure
			MultiError:            true,
			ExcludeResponseBody:   head,
		},
	}
	input.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return err
	}
	if head {
		return nil
	}
	// kin-openapi lets a body pass where the document describes none.
	if ref := route.Operation.Responses.Status(resp.StatusCode); ref != nil && ref.Value != nil && len(ref.Value.Content) == 0 && len(body) > 0 {
		return fmt.Errorf("status %d is documented without a body, but the response has %d bytes", resp.StatusCode, len(body))
	}
	return nil
}

// checkUndescribed judges the answer to a request whose route the document
// does not describe.
func (v *Validator) checkUndescribed(req *http.Request, resp *http.Response, body []byte, head bool) error {
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		// net/http's ServeMux redirects to the canonical path (cleaned of
		// "..", "//" and the like) before routing.
		if resp.Header.Get("Location") != "" {
			return nil
		}
	}
	methods := v.documentedMethods(req)
	if len(methods) == 0 {
		if resp.StatusCode != http.StatusNotFound {
			return fmt.Errorf("the path %s is not described in the document, yet the response is %d, not 404", req.URL.Path, resp.StatusCode)
		}
		notFound := v.notFound
		if strings.Contains(req.Header.Get("Accept"), "text/html") {
			// The dashboard answers browsers with a page.
			notFound = v.notFoundHTML
		}
		return v.checkResponse(req, syntheticRoute(v.doc, req, http.StatusNotFound, notFound), nil, resp, body, head)
	}
	if resp.StatusCode != http.StatusMethodNotAllowed {
		return fmt.Errorf("%s %s is not described in the document (the path has %s), yet the response is %d, not 405",
			req.Method, req.URL.Path, strings.Join(methods, ", "), resp.StatusCode)
	}
	if err := v.checkResponse(req, syntheticRoute(v.doc, req, http.StatusMethodNotAllowed, v.methodNotAllowed), nil, resp, body, head); err != nil {
		return err
	}
	return checkAllow(resp.Header.Values("Allow"), methods)
}

// checkAllow compares the Allow header of a 405 with the documented
// methods of the path.
func checkAllow(header []string, documented []string) error {
	var allowed []string
	for _, h := range header {
		for m := range strings.SplitSeq(h, ",") {
			if m = strings.TrimSpace(m); m != "" {
				allowed = append(allowed, m)
			}
		}
	}
	var problems []string
	for _, m := range documented {
		if !slices.Contains(allowed, m) {
			problems = append(problems, fmt.Sprintf("documented method %s is missing", m))
		}
	}
	for _, m := range allowed {
		if !slices.Contains(documented, m) && !(m == http.MethodHead && slices.Contains(documented, http.MethodGet)) {
			problems = append(problems, fmt.Sprintf("method %s is not documented", m))
		}
	}
	if problems != nil {
		return fmt.Errorf("header Allow: %q does not match the documented methods %s: %s",
			strings.Join(header, ", "), strings.Join(documented, ", "), strings.Join(problems, "; "))
	}
	return nil
}

// methods are the HTTP methods an OpenAPI 3.1 path item can describe.
var methods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace,
}

// documentedMethods lists the methods the document describes for the
// request's path.
func (v *Validator) documentedMethods(req *http.Request) []string {
	var out []string
	for _, m := range methods {
		r := req.Clone(context.Background())
		r.Method = m
		if _, _, err := v.router.FindRoute(r); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// syntheticRoute is a route whose operation has only the given response:
// what the service answers a request outside the document.
func syntheticRoute(doc *openapi3.T, req *http.Request, status int, resp *openapi3.ResponseRef) *routers.Route {
	op := openapi3.NewOperation()
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(status, resp))
	return &routers.Route{Spec: doc, Path: req.URL.Path, Method: req.Method, Operation: op}
}

// excerpt shows at most 2 KiB of a body.
func excerpt(body []byte) string {
	const limit = 2 << 10
	if len(body) == 0 {
		return "(empty)"
	}
	if len(body) <= limit {
		return string(body)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes in all)", body[:cut], len(body))
}
