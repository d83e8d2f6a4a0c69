// Command winhelper is a Windows program that sesame exec runs in the
// Wine tests (internal/testenv/wintest):
//
//	winhelper env            print the credential variables, the secret ones as their length
//	winhelper exit N         exit with status N
//	winhelper interrupt      print READY, wait for Ctrl-C, print GOT-INTERRUPT, exit 42
//	winhelper ecs            fetch credentials from the ECS server sesame exec --server ecs started
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: winhelper env|exit N|interrupt|ecs")
	}
	switch os.Args[1] {
	case "env":
		for _, k := range []string{"AWS_ACCESS_KEY_ID", "SESAME_PROFILE", "AWS_REGION"} {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
		for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "SESAME_FILE_PASSPHRASE_COMMAND"} {
			fmt.Printf("len(%s)=%d\n", k, len(os.Getenv(k)))
		}
	case "exit":
		n, err := strconv.Atoi(os.Args[2])
		if err != nil {
			fail(err.Error())
		}
		os.Exit(n)
	case "interrupt":
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		fmt.Println("READY")
		select {
		case <-c:
			fmt.Println("GOT-INTERRUPT")
			os.Exit(42)
		case <-time.After(time.Minute):
			fail("no interrupt within a minute")
		}
	case "ecs":
		ecs()
	default:
		fail("unknown command " + os.Args[1])
	}
}

// ecs asks the server without the token (which must be refused), then
// with it, and prints the status codes and the key id's first four letters.
func ecs() {
	url := os.Getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if url == "" {
		fail("AWS_CONTAINER_CREDENTIALS_FULL_URI is not set")
	}
	get := func(token string) (int, []byte) {
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			fail(err.Error())
		}
		if token != "" {
			req.Header.Set("Authorization", token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fail(err.Error())
		}
		defer resp.Body.Close()
		var body []byte
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			body = append(body, buf[:n]...)
			if err != nil {
				break
			}
		}
		return resp.StatusCode, body
	}
	code, _ := get("wrong-token")
	fmt.Printf("without the token: %d\n", code)
	code, body := get(os.Getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"))
	var doc struct{ AccessKeyId, SecretAccessKey, Token string }
	if err := json.Unmarshal(body, &doc); err != nil {
		fail(fmt.Sprintf("status %d, not JSON: %v", code, err))
	}
	if len(doc.AccessKeyId) < 4 {
		fail(fmt.Sprintf("status %d, no access key id", code))
	}
	fmt.Printf("with the token: %d %s len(secret)=%d\n", code, doc.AccessKeyId[:4], len(doc.SecretAccessKey))
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "winhelper:", msg)
	os.Exit(2)
}
