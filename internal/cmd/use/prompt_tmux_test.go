package use_test

import (
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// promptSnippets are the README's prompt lines for each shell.
var promptSnippets = map[string]string{
	"bash": `PS1='[$(sesame prompt --format bash)] \$ '`,
	"zsh":  `setopt PROMPT_SUBST; PROMPT='[$(sesame prompt --format zsh)] %# '`,
	"fish": `function fish_prompt; set -l seg (sesame prompt); echo -n "[$seg] > "; end`,
}

// TestPromptInShells types the README's prompt line into bash, zsh and
// fish: with no profile the segment is empty; after sesame use dev and a
// call through credential_process (which caches the role's session and
// updates the expiry index), the prompt shows dev and its time left.
func TestPromptInShells(t *testing.T) {
	testenv.NeedCommand(t, "tmux", tmuxHint)
	aws := testenv.NeedCommand(t, "aws", "the AWS CLI v1 comes with the Python tools: pip install awscli")
	moto := testenv.Moto(t)
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			shell := testenv.NeedCommand(t, sh.bin, sh.hint)
			w := newWorld(t, moto, shell)
			tm := startShell(t, w.env, w.home, append([]string{shell}, sh.argv...)...)
			tm.step(1, sh.init)
			tm.TypeLine(promptSnippets[sh.name])
			tm.WaitFor(`(?m)^\[\] [$#%>] ?$`)
			// use succeeds in every shell (so that "sesame use dev && cmd" works).
			if s := tm.step(2, "sesame use dev; echo rc="+sh.status); !strings.Contains(s, "\nrc=0\n") {
				t.Errorf("sesame use dev did not exit 0:\n%s", s)
			}
			tm.step(3, aws+" sts get-caller-identity --query Arn --output text")
			// The session of dev lasts an hour: 59m or 1h left.
			tm.TypeLine("")
			tm.WaitFor(`(?m)^\[dev (59m|1h)\] [$#%>] ?$`)
			tm.step(4, "sesame use --unset")
			tm.WaitFor(`(?m)^\[\] [$#%>] ?$`)
		})
	}
}
