// Package fakeaws holds test doubles for AWS endpoints: emulators and a
// recording reverse proxy that sits in front of moto.
//
// Nothing here is used by the sesame binary itself; the package exists for
// tests and demos. Every type documents whether it is safe for concurrent use.
package fakeaws

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths of the recorder's own HTTP interface. Requests to these paths are
// answered by the [Recorder] and never proxied or recorded.
const (
	// RequestsPath answers GET with the request log as a JSON array of
	// [Request] values, oldest first.
	RequestsPath = "/__recorder/requests"
	// ResetPath empties the request log on POST and answers 204 No Content.
	ResetPath = "/__recorder/reset"
)

// maxBody bounds how much of a form-encoded request body the recorder reads
// into memory to parse it. Larger bodies are rejected with 413.
const maxBody = 8 << 20

// serviceForVersion maps the Version parameter of AWS query-protocol requests
// to a service name, for unsigned requests (AssumeRoleWithWebIdentity,
// AssumeRoleWithSAML) that carry no credential scope.
func serviceForVersion(version string) string {
	switch version {
	case "2011-06-15":
		return "sts"
	case "2010-05-08":
		return "iam"
	}
	return ""
}

// Request is one request seen by a [Recorder].
//
// It never holds the request signature, a session token or a secret key:
// only the access key id from the SigV4 credential scope.
type Request struct {
	// Time is when the recorder received the request.
	Time time.Time `json:"time"`
	// Method is the HTTP method, e.g. "POST".
	Method string `json:"method"`
	// Path is the URL path as the client sent it, e.g. "/".
	Path string `json:"path"`
	// Service is the signing name from the SigV4 credential scope ("sts",
	// "iam", ...). For unsigned query-protocol requests it is inferred from
	// the Version parameter; otherwise it is empty.
	Service string `json:"service,omitempty"`
	// Region is the region from the SigV4 credential scope, if any.
	Region string `json:"region,omitempty"`
	// Action is the query-protocol Action parameter, or for JSON-protocol
	// requests the operation named in the X-Amz-Target header.
	Action string `json:"action,omitempty"`
	// AccessKeyID is the access key id from the SigV4 credential scope; empty
	// for unsigned requests.
	AccessKeyID string `json:"accessKeyId,omitempty"`
	// Params holds the URL query parameters merged with the parameters of a
	// form-encoded body (Action and Version included), minus the signature,
	// credential and security-token parameters of presigned requests.
	Params map[string][]string `json:"params,omitempty"`
	// Status is the HTTP status upstream answered with: 0 while the request is
	// in flight, 502 if upstream could not be reached.
	Status int `json:"status"`
	// ErrorCode is the <Code> of an AWS XML error response (for example
	// "InvalidClientTokenId"), when the status is 400 or above.
	ErrorCode string `json:"errorCode,omitempty"`
}

// Param returns the first value of the named parameter, or "".
func (r Request) Param(name string) string {
	if v := r.Params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (r Request) clone() Request {
	r.Params = maps.Clone(r.Params)
	for k, v := range r.Params {
		r.Params[k] = slices.Clone(v)
	}
	return r
}

// Recorder is an [http.Handler] that forwards every request to an upstream
// URL (through [httputil.ReverseProxy]) and records it as a [Request].
//
// The Host header the client sent is kept, so SigV4 signatures stay valid
// upstream, and no X-Forwarded-* headers are added. The log is also served
// over HTTP at [RequestsPath] and [ResetPath], so that shell scripts can
// assert on it.
//
// A Recorder is safe for concurrent use.
type Recorder struct {
	proxy         *httputil.ReverseProxy
	now           func() time.Time
	fixMotoErrors bool

	mu   sync.Mutex
	reqs []*Request
}

type entryKey struct{}

// Option configures a [Recorder].
type Option func(*Recorder)

// FixMotoErrors makes the recorder rewrite the XML error documents of moto's
// authentication layer, which wrap the error in <Errors> as EC2 does
// (<ErrorResponse><Errors><Error>…</Error></Errors></ErrorResponse>), into
// the shape real STS and IAM send and the AWS SDKs parse
// (<ErrorResponse><Error>…</Error><RequestId>…</RequestId></ErrorResponse>).
// Without it the AWS SDK for Go v2 reports moto's InvalidClientTokenId as
// "UnknownError". Other responses pass through unchanged.
func FixMotoErrors() Option {
	return func(r *Recorder) { r.fixMotoErrors = true }
}

// NewRecorder returns a Recorder that forwards requests to upstream, whose
// scheme and host (and path prefix, if any) replace those of each request.
// Responses pass through unchanged unless an option says otherwise.
func NewRecorder(upstream *url.URL, opts ...Option) *Recorder {
	rec := &Recorder{now: time.Now}
	for _, o := range opts {
		o(rec)
	}
	rec.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			// SigV4 signs the Host header: forward the one the client signed.
			pr.Out.Host = pr.In.Host
		},
		ModifyResponse: rec.recordResponse,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			rec.setOutcome(r.Context(), http.StatusBadGateway, "")
			http.Error(w, "fakeaws recorder: upstream: "+err.Error(), http.StatusBadGateway)
		},
	}
	return rec
}

// ServeHTTP answers the recorder's own paths ([RequestsPath], [ResetPath])
// and records and forwards every other request.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case RequestsPath:
		if r.Method != http.MethodGet {
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		body, err := json.Marshal(rec.Requests())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(body)
		return
	case ResetPath:
		if r.Method != http.MethodPost {
			http.Error(w, "use POST", http.StatusMethodNotAllowed)
			return
		}
		rec.Reset()
		w.WriteHeader(http.StatusNoContent)
		return
	}

	entry, err := rec.parse(r)
	if err != nil {
		status := http.StatusBadRequest
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			status = http.StatusRequestEntityTooLarge
		}
		entry.Status = status
		rec.add(entry)
		http.Error(w, "fakeaws recorder: "+err.Error(), status)
		return
	}
	rec.add(entry)
	rec.proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), entryKey{}, entry)))
}

// Requests returns a copy of the log, oldest first. The copy shares nothing
// with the recorder.
func (rec *Recorder) Requests() []Request {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([]Request, len(rec.reqs))
	for i, r := range rec.reqs {
		out[i] = r.clone()
	}
	return out
}

// Count returns how many recorded requests have the given service and action.
// An empty service or action matches any.
func (rec *Recorder) Count(service, action string) int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.reqs {
		if (service == "" || r.Service == service) && (action == "" || r.Action == action) {
			n++
		}
	}
	return n
}

// Reset empties the log. Requests in flight keep their entries out of the
// new log.
func (rec *Recorder) Reset() {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = nil
}

func (rec *Recorder) add(e *Request) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.reqs = append(rec.reqs, e)
}

func (rec *Recorder) setOutcome(ctx context.Context, status int, code string) {
	e, _ := ctx.Value(entryKey{}).(*Request)
	if e == nil {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	e.Status = status
	e.ErrorCode = code
}

// recordResponse notes the upstream status (and AWS error code) before the
// response is passed on, so that a client that has its answer also sees it in
// the log.
func (rec *Recorder) recordResponse(resp *http.Response) error {
	code := ""
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Encoding") == "" && resp.Body != nil {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if rec.fixMotoErrors {
			if fixed, ok := fixQueryError(body, resp.Header.Get("X-Amzn-Requestid")); ok {
				body = fixed
				resp.Header.Set("Content-Type", "text/xml")
				resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
				resp.ContentLength = int64(len(body))
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		code = xmlErrorCode(body)
	}
	rec.setOutcome(resp.Request.Context(), resp.StatusCode, code)
	return nil
}

// parse builds the log entry for r. It reads a form-encoded body and puts
// back an identical one, so the request can still be forwarded. The entry
// is usable even when err is not nil.
func (rec *Recorder) parse(r *http.Request) (*Request, error) {
	e := &Request{
		Time:   rec.now(),
		Method: r.Method,
		Path:   r.URL.Path,
	}
	params := r.URL.Query()
	var err error
	if r.Body != nil && r.Body != http.NoBody && isForm(r.Header.Get("Content-Type")) {
		var body []byte
		body, err = io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		if err == nil {
			// A malformed pair is skipped; the rest is still recorded.
			form, _ := url.ParseQuery(string(body))
			for k, v := range form {
				params[k] = append(params[k], v...)
			}
		}
	}

	cred := credentialScope(r.Header.Get("Authorization"))
	if cred == "" {
		cred = params.Get("X-Amz-Credential")
	}
	e.AccessKeyID, e.Region, e.Service = splitScope(cred)
	// Presigned requests carry their signature and session token as
	// parameters: never record them.
	for _, k := range [...]string{"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"} {
		delete(params, k)
	}
	e.Action = params.Get("Action")
	if e.Action == "" {
		if target := r.Header.Get("X-Amz-Target"); target != "" {
			e.Action = target[strings.LastIndexByte(target, '.')+1:]
		}
	}
	if e.Service == "" {
		e.Service = serviceForVersion(params.Get("Version"))
	}
	if len(params) > 0 {
		e.Params = params
	}
	return e, err
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/x-www-form-urlencoded"
}

// credentialScope returns the Credential= value of a SigV4 (or SigV4a)
// Authorization header, e.g. "AKID/20240101/us-east-1/sts/aws4_request".
func credentialScope(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, ", "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// splitScope splits a credential scope: AKID/DATE/REGION/SERVICE/aws4_request
// for SigV4, AKID/DATE/SERVICE/aws4_request for SigV4a.
func splitScope(scope string) (accessKeyID, region, service string) {
	parts := strings.Split(scope, "/")
	switch len(parts) {
	case 5:
		return parts[0], parts[2], parts[3]
	case 4:
		return parts[0], "", parts[2]
	}
	return "", "", ""
}

// fixQueryError turns moto's <ErrorResponse><Errors><Error>…</Error></Errors>
// </ErrorResponse> into <ErrorResponse><Error>…</Error><RequestId>…
// </RequestId></ErrorResponse>. ok is false if body is not of that shape.
func fixQueryError(body []byte, requestID string) (fixed []byte, ok bool) {
	var doc struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Errors  struct {
			Error []struct {
				Inner []byte `xml:",innerxml"`
			} `xml:"Error"`
		} `xml:"Errors"`
		RequestID string `xml:"RequestId"`
	}
	if xml.Unmarshal(bytes.TrimSpace(body), &doc) != nil || len(doc.Errors.Error) != 1 {
		return nil, false
	}
	if doc.RequestID != "" {
		requestID = doc.RequestID
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<ErrorResponse><Error>")
	b.Write(doc.Errors.Error[0].Inner)
	b.WriteString("</Error><RequestId>")
	_ = xml.EscapeText(&b, []byte(requestID))
	b.WriteString("</RequestId></ErrorResponse>\n")
	return b.Bytes(), true
}

// xmlErrorCode returns the text of the first <Code> element of an AWS XML
// error document, or "".
func xmlErrorCode(body []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Code" {
			var code string
			if dec.DecodeElement(&code, &se) != nil {
				return ""
			}
			return strings.TrimSpace(code)
		}
	}
}
