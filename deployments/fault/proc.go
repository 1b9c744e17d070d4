package fault

import (
	"os"
	"os/exec"
	"path/filepath"

	"github.com/whaleim/whaleim/im-common/proctest"
)

// spawn starts path with args and env (added to the harness's own) in
// dir, logging to dir/name.log.
func spawn(dir, name, path string, env []string, args ...string) (*proctest.Proc, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	return proctest.Start(name, filepath.Join(dir, name+".log"), cmd)
}
