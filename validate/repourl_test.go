package validate

import "testing"

// TestRepoURLProblem covers every form a credential takes in a repository
// URL, and the forms that must pass.
func TestRepoURLProblem(t *testing.T) {
	const creds, fragment, invalid = "Credentials in a repository URL", "Fragment in a repository URL", "Invalid repository URL"
	for raw, want := range map[string]string{
		"https://git.example.com/platform/clusters.git":                    "",
		"https://git.example.com/platform/clusters.git?ref=main":           "",
		"ssh://git@git.example.com/platform/clusters.git":                  "",
		"ssh://git@git.example.com:2222/platform/clusters.git":             "",
		"git@git.example.com:platform/clusters.git":                        "",
		"http://git.internal/clusters.git":                                 "",
		"https://user:token@git.example.com/c.git":                         creds,
		"https://token@git.example.com/c.git":                              creds,
		"https://oauth2%3Atoken@git.example.com/c.git":                     creds,
		"https://%75ser%3Ap%61ss@git.example.com/c.git":                    creds,
		"ssh://git:hunter2@git.example.com/c.git":                          creds,
		"ssh://git%3Ahunter2@git.example.com/c.git":                        creds,
		"ssh://git%253Ahunter2@git.example.com/c.git":                      creds,
		"deploy:hunter2@git.example.com:platform/c.git":                    creds,
		"https://git.example.com/c.git?private_token=x":                    creds,
		"https://git.example.com/c.git?access_token=x":                     creds,
		"https://git.example.com/c.git?ref=main&%61ccess%5Ftoken=x":        creds,
		"https://git.example.com/c.git?api-key=x":                          creds,
		"https://git.example.com/c.git?PASSWORD=x":                         creds,
		"https://git.example.com/c.git?client_secret=x":                    creds,
		"https://git.example.com/c.git?auth=x":                             creds,
		"https://git.example.com/c.git?sv=2024&sig=x":                      creds,
		"https://git.example.com/c.git?X-Amz-Signature=x":                  creds,
		"https://git.example.com/c.git;jsessionid=x":                       creds,
		"https://git.example.com/c.git#token=x":                            creds,
		"https://git.example.com/c.git#access_token=x":                     creds,
		"https://git.example.com/c.git#main":                               fragment,
		"https://git.example.com/c.git#":                                   fragment,
		"https://git.example.com/c.git%23main":                             fragment,
		"https://git.example.com/ghp_abcdefghijklmnopqrstuvwxyz0123/c.git": creds,
		"https://git.example.com/c.git?x=glpat-abcdefghijklmnopqrstu":      creds,
		"ftp://git.example.com/c.git":                                      invalid,
		"git.example.com/c.git":                                            invalid,
	} {
		if got, detail := repoURLProblem(raw); got != want {
			t.Errorf("%q: %q (%s), want %q", raw, got, detail, want)
		}
	}
}
