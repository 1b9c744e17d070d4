package compose

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

const composeFile = "../docker-compose.yml"

// load parses content as docker compose does, with the secret ./build.sh up
// writes to deployments/.env.
func load(t *testing.T, content []byte) (*types.Project, error) {
	t.Helper()
	dir, _ := filepath.Abs("..")
	details := types.ConfigDetails{WorkingDir: dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "docker-compose.yml"), Content: content}},
		Environment: types.Mapping{"IM_APP_SECRET": "0123456789abcdef-compose"}}
	return loader.LoadWithContext(t.Context(), details, func(o *loader.Options) { o.SetProjectName("whaleim", true) })
}

func readCompose(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestComposeFileDescribesThePlatform(t *testing.T) {
	p, err := load(t, readCompose(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(p, Platform); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"domain1", "domain2", "store", "gateway1", "gateway2"} {
		s, _ := p.GetService(name)
		if s.Build == nil || s.Build.Dockerfile != "deployments/Dockerfile" {
			t.Errorf("%s: not built from deployments/Dockerfile: %+v", name, s.Build)
		}
	}
}

// TestComposeRefusesMissingSecret: without IM_APP_SECRET the file does not
// load, rather than start a platform with an empty secret.
func TestComposeRefusesMissingSecret(t *testing.T) {
	dir, _ := filepath.Abs("..")
	_, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{WorkingDir: dir,
		ConfigFiles: []types.ConfigFile{{Filename: "docker-compose.yml", Content: readCompose(t)}}, Environment: types.Mapping{}},
		func(o *loader.Options) { o.SetProjectName("whaleim", true) })
	if err == nil || !strings.Contains(err.Error(), "IM_APP_SECRET") {
		t.Fatalf("loaded without IM_APP_SECRET: %v", err)
	}
}

// TestBrokenCopiesFail: each deliberately broken copy of the file (one
// healthcheck, dependency, port, variable or service removed or changed)
// is refused by Check, naming what is wrong.
func TestBrokenCopiesFail(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(services map[string]any)
		want   string
	}{
		{"gateway healthcheck removed", del("gateway1", "healthcheck"), "service gateway1: healthcheck: missing"},
		{"store healthcheck disabled", set("store", "healthcheck", map[string]any{"disable": true}), "service store: healthcheck: missing or disabled"},
		{"mariadb healthcheck removed", del("mariadb", "healthcheck"), "service mariadb: healthcheck: missing"},
		{"domain probes the wrong port", set("domain2", "healthcheck", map[string]any{"test": []any{"CMD", "wget", "http://127.0.0.1:19003/readyz"}, "interval": "5s", "retries": 3}), `does not run "http://127.0.0.1:18000/readyz"`},
		{"dependency removed", delDep("gateway2", "domain2"), "service gateway2: depends_on domain2"},
		{"dependency only started", setDep("domain1", "mariadb", "service_started"), `depends_on mariadb: "service_started", want condition service_healthy`},
		{"all dependencies removed", del("store", "depends_on"), "service store: depends_on mariadb"},
		{"port removed", set("gateway2", "ports", []any{"19011:19001"}), "port 19002 published as \"\""},
		{"port moved", set("domain2", "ports", []any{"18002:18000"}), `port 18000 published as "18002", want "18001"`},
		{"queue type classic", setEnv("domain1", "IM_RABBIT_QUEUE_TYPE", "classic"), `IM_RABBIT_QUEUE_TYPE="classic", want "quorum"`},
		{"variable removed", delEnv("gateway1", "IM_BROKER_ID"), "environment IM_BROKER_ID: missing"},
		{"redis host unknown", setEnv("store", "IM_REDIS_ADDR", "cache:6379"), `"redis:6379"`},
		{"dsn names no service", setEnv("domain2", "IM_MYSQL_DSN", "u:p@tcp(mysql:3306)/im"), `IM_MYSQL_DSN: host "mysql" is no service`},
		{"advertised port wrong", setEnv("gateway2", "IM_ADVERTISE_TCP", "localhost:19001"), "IM_ADVERTISE_TCP"},
		{"insecure login switched on", setEnv("gateway1", "IM_INSECURE_LOGIN_WITHOUT_SIGN", "true"), "IM_INSECURE_LOGIN_WITHOUT_SIGN: a development switch"},
		{"redis without appendonly", set("redis", "command", []any{"redis-server"}), "service redis: command"},
		{"service removed", delService("store"), "service store: missing"},
		{"extra service", set("adminer", "image", "adminer"), "service adminer: not part of the platform"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var doc map[string]any
			if err := yaml.Unmarshal(readCompose(t), &doc); err != nil {
				t.Fatal(err)
			}
			tt.mutate(doc["services"].(map[string]any))
			b, err := yaml.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			p, err := load(t, b)
			if err == nil {
				err = Check(p, Platform)
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("broken copy passed or failed otherwise: %v\nwant %q", err, tt.want)
			}
		})
	}
}

func service(services map[string]any, name string) map[string]any {
	s, ok := services[name].(map[string]any)
	if !ok {
		s = map[string]any{}
		services[name] = s
	}
	return s
}

func del(name, key string) func(map[string]any) {
	return func(s map[string]any) { delete(service(s, name), key) }
}

func set(name, key string, v any) func(map[string]any) {
	return func(s map[string]any) { service(s, name)[key] = v }
}

func delService(name string) func(map[string]any) {
	return func(s map[string]any) {
		delete(s, name)
		for _, other := range s { // and the dependencies on it
			if d, ok := other.(map[string]any)["depends_on"].(map[string]any); ok {
				delete(d, name)
			}
		}
	}
}

func deps(s map[string]any, name string) map[string]any {
	return service(s, name)["depends_on"].(map[string]any)
}

func delDep(name, dep string) func(map[string]any) {
	return func(s map[string]any) { delete(deps(s, name), dep) }
}

func setDep(name, dep, condition string) func(map[string]any) {
	return func(s map[string]any) { deps(s, name)[dep] = map[string]any{"condition": condition} }
}

func env(s map[string]any, name string) map[string]any {
	return service(s, name)["environment"].(map[string]any)
}

func delEnv(name, key string) func(map[string]any) {
	return func(s map[string]any) { delete(env(s, name), key) }
}

func setEnv(name, key, v string) func(map[string]any) {
	return func(s map[string]any) { env(s, name)[key] = v }
}

// TestDockerfileBuildsEveryBinary: the one image has every binary the
// compose file runs, built without cgo.
func TestDockerfileBuildsEveryBinary(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)
	for _, want := range []string{"CGO_ENABLED=0 go build", "./im-tcp", "./im-domain", "./im-message-store", "./im-sdk/go/cmd/imctl", "AS build", "COPY --from=build"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestDockerfileCopiesEveryModule: `go mod download` runs before the
// sources are copied, with go.work naming every module, so each module's
// go.mod must be copied first or the image does not build.
func TestDockerfileCopiesEveryModule(t *testing.T) {
	work, err := os.ReadFile("../../go.work")
	if err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mods := 0
	for _, line := range strings.Split(string(work), "\n") {
		dir, ok := strings.CutPrefix(strings.TrimSpace(line), "./")
		if !ok {
			continue
		}
		mods++
		if want := "COPY " + dir + "/go.mod "; !strings.Contains(string(df), want) {
			t.Errorf("Dockerfile lacks %q (module %s of go.work)", want, dir)
		}
	}
	if mods == 0 {
		t.Fatal("no module found in go.work")
	}
}
