package config_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// settingName is an IM_* variable name as a Go string literal.
var settingName = regexp.MustCompile(`"(IM_[A-Z0-9_]+)"`)

// TestReadmeDocumentsEverySetting fails when the code (any non-test Go file
// of the repository) reads an IM_* variable the README does not name: the
// README's configuration table is the operator's only list.
func TestReadmeDocumentsEverySetting(t *testing.T) {
	root := filepath.Join("..", "..")
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string][]string{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "bin" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range settingName.FindAllSubmatch(src, -1) {
			used[string(m[1])] = append(used[string(m[1])], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(used) < 40 {
		t.Fatalf("found only %d IM_* names: the walk missed the services", len(used))
	}
	var missing []string
	for name, files := range used {
		if !regexp.MustCompile(`\b` + name + `\b`).Match(readme) {
			missing = append(missing, name+" (read in "+files[0]+")")
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Fatalf("README.md does not document %d IM_* variables the code reads:\n%s", len(missing), strings.Join(missing, "\n"))
	}
}
