package awsconfig

import "testing"

func TestApply(t *testing.T) {
	t.Parallel()
	const in = "# keep me\n[profile a]\nregion = x\n  # inner\n\n[profile gone]\nk = v\n\n[profile b] \noutput = json\n"
	f, err := Parse("config", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	err = f.Apply([]SectionEdit{
		{Section: "profile a", Set: []KeyValue{{"region", "y"}, {"new", "1"}}},
		{Section: "profile gone", Remove: true},
		{Section: "profile c", Set: []KeyValue{{"k", "v"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	const want = "# keep me\n[profile a]\nregion = y\nnew = 1\n  # inner\n\n[profile b] \noutput = json\n\n[profile c]\nk = v\n"
	if got := string(f.Bytes()); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	before := string(f.Bytes())
	if err := f.Apply([]SectionEdit{{Section: "profile a", Set: []KeyValue{{"bad key", "v"}}}}); err == nil || string(f.Bytes()) != before {
		t.Errorf("a bad key was accepted or changed the file: %v", err)
	}
}
