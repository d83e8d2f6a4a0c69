//go:build unix

package doctor

import "testing"

func TestOnlyMember(t *testing.T) {
	t.Parallel()
	passwd := "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\nbob:x:1001:1001::/home/bob:/bin/sh\n"
	for _, tt := range []struct {
		name, groups, passwd, gid string
		want                      bool
	}{
		{"private", "root:x:0:\nalice:x:1000:\n", passwd, "1000", true},
		{"listing the user herself", "alice:x:1000:alice\n", passwd, "1000", true},
		{"another member", "alice:x:1000:alice,bob\n", passwd, "1000", false},
		{"another account's primary group", "alice:x:1000:\n", passwd + "carol:x:1002:1000::/home/carol:/bin/sh\n", "1000", false},
		{"not in /etc/group", "root:x:0:\n", passwd, "1000", false},
	} {
		if got := onlyMember(tt.groups, tt.passwd, "alice", tt.gid); got != tt.want {
			t.Errorf("%s: onlyMember = %v, want %v", tt.name, got, tt.want)
		}
	}
}
