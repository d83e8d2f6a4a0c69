package credfmt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/testenv"
)

var expires = time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)

// Fixture credentials (as in package export's tests): a session that
// expires, with a region, and long-term keys without either.
var (
	session = creds.Result{
		Credentials: aws.Credentials{
			AccessKeyID:     "ASIAEXAMPLESESSION01",
			SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY",
			SessionToken:    "FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken+abc/def==",
			CanExpire:       true,
			Expires:         expires.Add(123 * time.Millisecond),
		},
		Region: "eu-west-1",
	}
	longTerm = creds.Result{
		Credentials: aws.Credentials{
			AccessKeyID:     "AKIAEXAMPLELONGTERM1",
			SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLONGTERMKEY",
		},
	}
)

func TestJSONIsCredentialProcessDocument(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		res  creds.Result
		keys []string
	}{
		{session, []string{"AccessKeyId", "Expiration", "SecretAccessKey", "SessionToken", "Version"}},
		{longTerm, []string{"AccessKeyId", "SecretAccessKey", "Version"}},
	} {
		var b bytes.Buffer
		if err := Render(&b, FormatJSON, c.res, ""); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range doc {
			keys = append(keys, k)
		}
		if got := strings.Join(sorted(keys), ","); got != strings.Join(c.keys, ",") {
			t.Errorf("keys = %s, want %s", got, strings.Join(c.keys, ","))
		}
		if doc["Version"] != float64(1) {
			t.Errorf("Version = %v", doc["Version"])
		}
		if exp, ok := doc["Expiration"]; ok && exp != "2026-11-21T11:00:00Z" {
			t.Errorf("Expiration = %v", exp)
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestShellFormatsEvaluate runs the sh output in sh and bash (missing, they
// fail the test under CI=true and skip it elsewhere) and checks the variables that come out, starting from an
// environment holding stale values.
func TestShellFormatsEvaluate(t *testing.T) {
	t.Parallel()
	tricky := longTerm
	tricky.SecretAccessKey = `a'b"c\d$e` + "`f`" + `’g!h`
	for _, shell := range []string{"sh", "bash"} {
		path := testenv.NeedCommand(t, shell, "install it with apt-get install -y "+shell)
		for _, res := range []creds.Result{session, tricky} {
			var b bytes.Buffer
			if err := Render(&b, FormatSh, res, ""); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(path, "-c", b.String()+`
printf '%s\n' "id=$AWS_ACCESS_KEY_ID" "secret=$AWS_SECRET_ACCESS_KEY" "token=${AWS_SESSION_TOKEN-unset}" "sec=${AWS_SECURITY_TOKEN-unset}" "exp=${AWS_CREDENTIAL_EXPIRATION-unset}" "region=${AWS_REGION-unset}"`)
			cmd.Env = []string{"AWS_SESSION_TOKEN=stale", "AWS_SECURITY_TOKEN=stale", "AWS_CREDENTIAL_EXPIRATION=stale"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: %v\n%s", shell, err, out)
			}
			token, exp, region := "unset", "unset", "unset"
			if res.SessionToken != "" {
				token = res.SessionToken
			}
			if e, ok := Expiration(res); ok {
				exp = e
			}
			if res.Region != "" {
				region = res.Region
			}
			want := fmt.Sprintf("id=%s\nsecret=%s\ntoken=%s\nsec=unset\nexp=%s\nregion=%s\n", res.AccessKeyID, res.SecretAccessKey, token, exp, region)
			if string(out) != want {
				t.Errorf("%s evaluated to\n%s\nwant\n%s", shell, out, want)
			}
		}
	}
}

func TestQuoting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, sh, fish, ps string
	}{
		{`plain/+=`, `'plain/+='`, `'plain/+='`, `'plain/+='`},
		{`it's`, `'it'\''s'`, `'it\'s'`, `'it''s'`},
		{`back\slash`, `'back\slash'`, `'back\\slash'`, `'back\slash'`},
		{"curly’s", "'curly’s'", "'curly’s'", "'curly’’s'"},
		{`$x`, `'$x'`, `'$x'`, `'$x'`},
	} {
		if got := shQuote(tt.in); got != tt.sh {
			t.Errorf("shQuote(%q) = %s, want %s", tt.in, got, tt.sh)
		}
		if got := fishQuote(tt.in); got != tt.fish {
			t.Errorf("fishQuote(%q) = %s, want %s", tt.in, got, tt.fish)
		}
		if got := psQuote(tt.in); got != tt.ps {
			t.Errorf("psQuote(%q) = %s, want %s", tt.in, got, tt.ps)
		}
	}
}
