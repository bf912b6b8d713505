package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/skillett/skillett"
)

// maxBodyBytes is the largest request body accepted (SPEC §3).
const maxBodyBytes = 64 << 10

// MaxHeaderBytes is the most a request's line and headers may take (SPEC
// §12); more → 431. The http.Server's own MaxHeaderBytes must be larger,
// so that such a request is read whole and answered rather than cut off.
const MaxHeaderBytes = 16 << 10

// headerBytes is the size of r's request line and headers as sent, give
// or take the spelling of the line.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + len(r.RequestURI) + len(r.Proto) + 4
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + len(v) + 4 // ": " and CRLF
		}
	}
	if r.Host != "" {
		n += len("Host: \r\n") + len(r.Host)
	}
	return n
}

// HTTP-level errors; domain errors come from the service.
var (
	errNotFound         = skillett.Errorf(skillett.ENOTFOUND, "No such resource.")
	errMethodNotAllowed = &skillett.Error{Code: "method_not_allowed", Message: "This method is not allowed on this resource."}
	errCrossOrigin      = skillett.Errorf(skillett.EFORBIDDEN, "Cross-origin requests that change state are refused.")
	errInternal         = errors.New("internal")
	errTooLarge         = &skillett.Error{Code: "payload_too_large", Message: fmt.Sprintf("The request body must be at most %d KiB.", maxBodyBytes>>10)}
	errHeaderTooLarge   = &skillett.Error{Code: "header_too_large", Message: fmt.Sprintf("The request headers must be at most %d KiB.", MaxHeaderBytes>>10)}
	errMediaType        = &skillett.Error{Code: "unsupported_media_type", Message: "The request body must be JSON (Content-Type: application/json)."}
)

// statusOf maps error codes to HTTP statuses: the only such map.
var statusOf = map[string]int{
	skillett.EINVALID:           http.StatusBadRequest,
	skillett.EUNAUTHORIZED:      http.StatusUnauthorized,
	skillett.EINSUFFICIENTSCOPE: http.StatusForbidden,
	skillett.EIPNOTALLOWED:      http.StatusForbidden,
	skillett.EPLANLIMIT:         http.StatusForbidden,
	skillett.EFORBIDDEN:         http.StatusForbidden,
	skillett.ENOTFOUND:          http.StatusNotFound,
	"method_not_allowed":        http.StatusMethodNotAllowed,
	skillett.ECONFLICT:          http.StatusConflict,
	"payload_too_large":         http.StatusRequestEntityTooLarge,
	"unsupported_media_type":    http.StatusUnsupportedMediaType,
	"header_too_large":          http.StatusRequestHeaderFieldsTooLarge,
	skillett.ERATELIMITED:       http.StatusTooManyRequests,
	skillett.EINTERNAL:          http.StatusInternalServerError,
	skillett.EUNAVAILABLE:       http.StatusServiceUnavailable,
}

// writeError writes err as {"error","message"} with its status. Internal
// errors are shown with a fixed message; fail, which handlers call, also
// attaches their cause to the request's log line.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := skillett.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = skillett.EINTERNAL, http.StatusInternalServerError
	}
	h := w.Header()
	switch status {
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="skillett"`)
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		h.Set("Retry-After", strconv.FormatInt(int64(skillett.RetryAfter(err)/time.Second), 10))
	}
	encode(w, status, ErrorBody{Error: code, Message: skillett.ErrorMessage(err)})
}

// encode writes v as JSON with status. The buffer is not pooled: a pool
// saved 2 allocations and 112 B of /healthz's 21 and no measurable time
// (BENCHMARKS.md, "Pooled buffers and cached route counters").
func encode(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := encodeJSON(&buf, v); err != nil {
		// Only a programming error gets here; never send half a body.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"error":"internal","message":"An internal error occurred."}`+"\n")
		return
	}
	writeJSON(w, status, buf.Bytes())
}

// encodeJSON writes v and a newline to buf. Messages stay readable:
// "<token>" is not escaped to "\u003ctoken\u003e", for JSON is never
// embedded in HTML here.
func encodeJSON(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeJSON writes an encoded JSON body with status.
func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentTypeJSON
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

var contentTypeJSON = []string{"application/json"}

// decode reads a JSON request body into v: Content-Type absent or
// application/json, at most 64 KiB, one JSON object, no unknown fields.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeBody(w, r, v, false)
}

// decodeOptional is decode for endpoints whose body may be left out: an
// empty body leaves v as it is.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeBody(w, r, v, true)
}

func decodeBody(w http.ResponseWriter, r *http.Request, v any, optional bool) error {
	body, err := readBody(w, r, maxBodyBytes, errTooLarge)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optional {
			return nil
		}
		return skillett.Errorf(skillett.EINVALID, "The request body must be a JSON object.")
	}
	if err := jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return skillett.Errorf(skillett.EINVALID, "%s", describeJSONError(err))
	}
	return nil
}

// readBody reads a JSON request body as sent: Content-Type absent or
// application/json, at most limit bytes (tooLarge beyond).
func readBody(w http.ResponseWriter, r *http.Request, limit int64, tooLarge error) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, errMediaType
		}
	}
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, tooLarge
	} else if err != nil {
		return nil, skillett.Errorf(skillett.EINVALID, "The request body could not be read.")
	}
	return body, nil
}

// describeJSONError turns a decoding error into a sentence for the caller.
// Decoding is strict (SPEC §12): member names match the schema exactly,
// case included, a name may appear once, and strings must be valid UTF-8.
func describeJSONError(err error) string {
	if e, ok := errors.AsType[*jsonv2.SemanticError](err); ok {
		field := strings.TrimPrefix(string(e.JSONPointer), "/")
		switch {
		case errors.Is(e.Err, jsonv2.ErrUnknownName):
			return fmt.Sprintf("Unknown field %q (names are case-sensitive).", e.JSONPointer.LastToken())
		case field == "" || e.GoType == nil:
			return "The request body must be a JSON object."
		}
		return fmt.Sprintf("Field %q must be of type %s.", field, jsonTypeName(e.GoType.Kind().String()))
	}
	if e, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
		switch {
		case errors.Is(e.Err, jsontext.ErrDuplicateName):
			return fmt.Sprintf("Field %q appears more than once.", strings.TrimPrefix(string(e.JSONPointer), "/"))
		case strings.Contains(e.Err.Error(), "UTF-8"):
			return "The request body must be valid UTF-8."
		case strings.Contains(e.Err.Error(), "after top-level value"):
			return "The request body must hold a single JSON object."
		}
	}
	return "The request body is not valid JSON."
}

func jsonTypeName(kind string) string {
	switch kind {
	case "slice", "array":
		return "array"
	case "string", "ptr":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	}
	return "number"
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var keyPattern = regexp.MustCompile(`sk_[0-9A-Za-z]{8,}`)

// redactKeys hides anything that looks like an API key in s, so that a key
// pasted into a URL never reaches a log line.
func redactKeys(s string) string {
	if !strings.Contains(s, "sk_") {
		return s
	}
	return keyPattern.ReplaceAllString(s, "sk_[REDACTED]")
}
