package httpapi

import (
	"slices"
	"testing"

	"github.com/whaleim/whaleim/im-domain/internal/webhook"
)

// TestOpenAPIListsEveryWebhookEvent: the webhookEvents enum of the
// document is exactly the events the platform accepts.
func TestOpenAPIListsEveryWebhookEvent(t *testing.T) {
	doc, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	props := doc["components"].(map[string]any)["schemas"].(map[string]any)["AppSettings"].(map[string]any)["properties"].(map[string]any)
	var enum []string
	for _, e := range props["webhookEvents"].(map[string]any)["items"].(map[string]any)["enum"].([]any) {
		enum = append(enum, e.(string))
	}
	if !slices.Equal(slices.Sorted(slices.Values(enum)), slices.Sorted(slices.Values(webhook.Events))) {
		t.Errorf("openapi webhookEvents %v, platform %v", enum, webhook.Events)
	}
}
