using DiffusionChat.Server;

// dotnet run -c Release --project src/DiffusionChat.Server -- --urls http://127.0.0.1:5080
// Configuration: appsettings.json, environment (DiffusionChat__ModelPath, DiffusionChatServer__ApiKey), command line.
var app = DiffusionChatServerApp.Build(args);
await app.RunAsync();
