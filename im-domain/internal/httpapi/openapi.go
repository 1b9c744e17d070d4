package httpapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// The OpenAPI document is assembled from openapi/base.json plus one file
// per feature (openapi/user.json, openapi/friend.json, ...), so features
// document their paths without editing a shared file. Paths, component
// schemas and tags are merged; a name defined twice is an error (caught by
// TestOpenAPIMatchesRoutes).
//
//go:embed openapi/*.json
var openapiFS embed.FS

type openapiDoc = map[string]any

// OpenAPI returns the merged document.
func OpenAPI() (openapiDoc, error) {
	doc, err := readDoc("openapi/base.json")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(openapiFS, "openapi/*.json")
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	for _, name := range names {
		if name == "openapi/base.json" {
			continue
		}
		part, err := readDoc(name)
		if err != nil {
			return nil, err
		}
		if err := merge(doc, part, name); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

func readDoc(name string) (openapiDoc, error) {
	raw, err := openapiFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	var doc openapiDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("openapi %s: %w", name, err)
	}
	return doc, nil
}

// merge adds part's paths, components.schemas and tags to doc.
func merge(doc, part openapiDoc, name string) error {
	if err := mergeMap(obj(doc, "paths"), obj(part, "paths"), name, "path"); err != nil {
		return err
	}
	dst, src := obj(obj(doc, "components"), "schemas"), obj(obj(part, "components"), "schemas")
	if err := mergeMap(dst, src, name, "schema"); err != nil {
		return err
	}
	tags, _ := part["tags"].([]any)
	have, _ := doc["tags"].([]any)
	doc["tags"] = append(have, tags...)
	return nil
}

func mergeMap(dst, src map[string]any, file, what string) error {
	for _, k := range slices.Sorted(maps.Keys(src)) {
		if _, dup := dst[k]; dup {
			return fmt.Errorf("openapi %s: %s %q defined twice", file, what, k)
		}
		dst[k] = src[k]
	}
	return nil
}

// obj returns m[key] as an object, creating it when missing.
func obj(m map[string]any, key string) map[string]any {
	if v, ok := m[key].(map[string]any); ok {
		return v
	}
	v := map[string]any{}
	m[key] = v
	return v
}

// DocumentedRoutes lists "METHOD /path" for every operation of doc.
func DocumentedRoutes(doc openapiDoc) []string {
	var out []string
	for path, item := range obj(doc, "paths") {
		for method := range item.(map[string]any) {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(out)
	return out
}

// serveOpenAPI assembles the document per request: it is small, and this
// keeps the package free of cached globals.
func serveOpenAPI(w http.ResponseWriter, _ *http.Request) {
	doc, err := OpenAPI()
	var body []byte
	if err == nil {
		body, err = json.MarshalIndent(doc, "", "  ")
	}
	if err != nil {
		http.Error(w, "openapi document broken", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}
