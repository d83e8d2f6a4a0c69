// Command gowhoami is the AWS SDK for Go v2 as a program run without
// sesame would use it: config.LoadDefaultConfig with the profile named by
// its argument (else AWS_PROFILE), then STS GetCallerIdentity. It prints
// the credentials' source (e.g. "source: LoginProvider") and the ARN. The
// scripts use it to show that the SDK reads, refreshes and rewrites the
// AWS Sign-In cache file sesame shares (gosdk in script_signin.go).
//
//	gowhoami [PROFILE]
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var opts []func(*config.LoadOptions) error
	if len(os.Args) > 1 {
		opts = append(opts, config.WithSharedConfigProfile(os.Args[1]))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gowhoami:", err)
		os.Exit(1)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gowhoami:", err)
		os.Exit(1)
	}
	fmt.Println("source: " + creds.Source)
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, "gowhoami:", err)
		os.Exit(1)
	}
	fmt.Println(aws.ToString(out.Arn))
}
