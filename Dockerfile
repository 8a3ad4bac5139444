# One image for every process of Motion Studio: docker-compose.yml runs it as the app and as the worker.
FROM python:3.11-slim
# MediaInfo reads the uploads' headers; ffmpeg itself comes with imageio-ffmpeg's wheel.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends libmediainfo0v5 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# The data folder is only a cache once DATABASE_URL and MEDIA_BUCKET are set: it may be lost with the container.
ENV MOTION_STUDIO_DATA=/tmp/motion-studio
EXPOSE 8501
